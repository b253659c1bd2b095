from django.apps import AppConfig


class ActionplanConfig(AppConfig):
    name = "actionplan"
