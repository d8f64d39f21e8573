"""Load the Taicang 2023 data (once) and create the demo accounts for every role."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from delegates.models import Delegate
from departments.models import Department
from suggestions import workflow
from suggestions.models import CongressSession, Status, Suggestion
from suggestions.policy.groups import ensure_role_groups
from suggestions.queries import facts

# username, display name, role, target (department or delegate name)
DEMO_ACCOUNTS = [
    ("staff", "代表工委 工作人员", "staff", None),
    ("fagai", "发改委 经办人", "handler", "太仓市发展和改革委员会"),
    ("jiaotong", "交通运输局 经办人", "handler", "太仓市交通运输局"),
    ("wangxiangyuan", "汪香元", "delegate", "汪香元"),
    ("yangrui", "杨锐", "delegate", "杨锐"),
    ("dashboard", "大屏", "dashboard", None),
]

# A few assignments so that every role's screens have something in them.
DEMO_ASSIGNMENTS = [
    (1, "太仓市发展和改革委员会", ["太仓市交通运输局"]),
    (5, "太仓市交通运输局", ["太仓港经济技术开发区管委会", "太仓市发展和改革委员会"]),
    (8, "太仓市自然资源和规划局", ["太仓市交通运输局"]),
    (16, "太仓市住房和城乡建设局", []),
]


class Command(BaseCommand):
    help = "Load the Taicang 2023 data if the database has none, and create the demo accounts (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-accounts", action="store_true", help="load the data only")

    def handle(self, *args, **options) -> None:
        if not CongressSession.objects.filter(term=17, meeting=2).exists():
            call_command("loaddata", "taicang_2023", verbosity=0)
            facts.refresh()  # loaddata writes records without the workflow: derive their statistics facts
            self.stdout.write("loaded the Taicang 2023 data (30 suggestions)")
        else:
            self.stdout.write("the Taicang 2023 data is already loaded: kept as it is")
        staff_group, dashboard_group = ensure_role_groups()
        if options["no_accounts"]:
            return
        if not settings.DEBUG:
            raise CommandError("Demo accounts are refused when DJANGO_DEBUG is off.")
        with transaction.atomic():
            users = self._accounts(staff_group, dashboard_group)
            self._demo_assignments(users["staff"])
        self.stdout.write(f"demo accounts (password: {settings.DEMO_PASSWORD}):")
        for username, display, role, target in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<15} {role:<10} {display}{' · ' + target if target else ''}")

    def _accounts(self, staff_group, dashboard_group) -> dict:
        User = get_user_model()
        users = {}
        for username, display, role, target in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": display})
            if created:
                user.set_password(settings.DEMO_PASSWORD)
                user.is_staff = role == "staff"
                user.save()
            if role == "staff":
                user.groups.add(staff_group)
            elif role == "dashboard":
                user.groups.add(dashboard_group)
            elif role == "handler":
                Department.objects.get(name=target).members.add(user)
            elif role == "delegate":
                Delegate.objects.filter(name=target, user__isnull=True).update(user=user)
            users[username] = user
        return users

    def _demo_assignments(self, staff) -> None:
        for number, lead, co in DEMO_ASSIGNMENTS:
            suggestion = Suggestion.objects.get(session__term=17, session__meeting=2, number=number)
            if suggestion.status != Status.REGISTERED:
                continue
            workflow.assign(
                suggestion=suggestion,
                lead=Department.objects.get(name=lead),
                co_handlers=list(Department.objects.filter(name__in=co)),
                by=staff,
            )
