from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0006_bigram_search")]

    operations = [
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(
                condition=models.Q(("status__in", ("assigned", "in_progress"))),
                fields=["due_date", "number"],
                name="suggestion_open_due",
            ),
        ),
    ]
