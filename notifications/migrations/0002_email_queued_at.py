# Hand-written: a nullable timestamp of when the e-mail moved to queued or sending, so that a run of
# send_reminders can queue again an e-mail whose worker died.

from django.db import migrations, models
from django.utils import timezone


def stamp_in_flight(apps, schema_editor):
    """E-mails already queued or sending when this runs: their clock starts now (not re-sent at once)."""
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(email_status__in=["queued", "sending"]).update(email_queued_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='email_queued_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='排队时间'),
        ),
        migrations.RunPython(stamp_in_flight, migrations.RunPython.noop),
    ]
