from celery import shared_task

from imports import services


@shared_task(name="imports.check_officer_import")
def check_officer_import(import_id: int) -> str:
    return services.check_import(import_id=import_id).status


@shared_task(name="imports.apply_officer_import")
def apply_officer_import(import_id: int) -> str:
    return services.apply_import(import_id=import_id).status
