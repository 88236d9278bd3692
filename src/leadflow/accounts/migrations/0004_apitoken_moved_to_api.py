"""ApiToken moved to the ``api`` app, which sits above programs (a token may be narrowed to
programs; accounts must not know them). Only Django's state changes: the tables
``accounts_apitoken`` and ``accounts_apitoken_programs`` stay as they are, with their rows, and
``api.0002_apitoken`` takes the model over."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_apitoken'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ApiToken')],
            database_operations=[],
        ),
    ]
