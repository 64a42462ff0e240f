from django.apps import AppConfig


class PingsConfig(AppConfig):
    name = "bench.bare.pings"
    label = "bare_pings"
