"""Load the Taicang 2023 data (once) and create the demo accounts for every role."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from delegates.models import Delegate
from departments.models import Department
from suggestions import demo_story
from suggestions.models import CongressSession
from suggestions.policy.groups import ensure_role_groups
from suggestions.queries import facts

# username, display name, role, target (department or delegate name): staff, the dashboard, and one
# account for every department and lead delegate of the demo's story (suggestions/demo_story.py).
DEMO_ACCOUNTS = [
    ("staff", "代表工委 工作人员", "staff", None),
    ("dashboard", "大屏", "dashboard", None),
    *((u, f"{d.removeprefix('太仓市')} 经办人", "handler", d) for u, d in demo_story.HANDLERS.items()),
    *((u, name, "delegate", name) for u, name in demo_story.DELEGATES.items()),
]
# The accounts printed by `make run` (all the others are listed by `setup_demo --list`).
SHOWN = ("staff", "fagai", "jiaotong", "zhujian", "wangxiangyuan", "zhengbinghua", "dashboard")


class Command(BaseCommand):
    help = "Load the Taicang 2023 data if the database has none, and create the demo accounts (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-accounts", action="store_true", help="load the data only")
        parser.add_argument("--list", action="store_true", help="list every demo account")

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
            if demo_story.untouched():
                demo_story.play(users["staff"], users)
                self.stdout.write("played the 2023 handling story (交办会 2023-02-08 to 2023-06-20)")
        self.stdout.write(f"demo accounts (password: {settings.DEMO_PASSWORD}):")
        for username, display, role, target in DEMO_ACCOUNTS:
            if options["list"] or username in SHOWN:
                self.stdout.write(f"  {username:<15} {role:<10} {display}{' · ' + target if target else ''}")
        if not options["list"]:
            self.stdout.write(
                f"  … {len(DEMO_ACCOUNTS) - len(SHOWN)} more (one per department and lead delegate):"
            )
            self.stdout.write("    manage.py setup_demo --list")

    def _accounts(self, staff_group, dashboard_group) -> dict:
        User = get_user_model()
        password = make_password(settings.DEMO_PASSWORD)
        users = {}
        for username, display, role, target in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": display})
            if created:
                user.password = password  # hashed once: dozens of accounts, one slow hash
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
