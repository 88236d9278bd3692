"""The criteria shipped by default is named "Standard BANT" (issue 17, item 3): versions that
still carry the old name of the defaults are renamed; nothing else in them changes."""

from django.db import migrations

OLD, NEW = "Default (DESIGN.md)", "Standard BANT"


def rename(apps, schema_editor, old=OLD, new=NEW):  # type: ignore[no-untyped-def]
    CriteriaVersion = apps.get_model("programs", "CriteriaVersion")
    for version in CriteriaVersion.objects.all().only("pk", "spec").iterator():
        if isinstance(version.spec, dict) and version.spec.get("name") == old:
            version.spec["name"] = new
            CriteriaVersion.objects.filter(pk=version.pk).update(spec=version.spec)


def rename_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [("programs", "0004_program_source_channel_rules")]

    operations = [migrations.RunPython(rename, rename_back)]
