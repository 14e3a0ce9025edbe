from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "octopus.community"
    label = "community"
    verbose_name = "Community: drop-ins and what frontline staff find"

    def ready(self):
        # The frontline findings dashboard reads every registered source; each app registers its
        # own here (decision 0043). Social prescribing is wired the same way, in one line.
        from . import findings, sources

        findings.register(sources.outreach_findings)
        findings.register(sources.drop_in_findings)
