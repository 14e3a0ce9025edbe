"""The audit log: append-only, each entry chained to the one before by a hash."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One thing someone saw or changed. Never updated or deleted (see audit.verify)."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        SEARCH = "search", "Searched"
        BREAK_GLASS = "break_glass", "Broke glass"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        LOAD = "load", "Loaded data"
        RUN = "run", "Ran a job"
        REVIEW = "review", "Reviewed"
        SIGN_IN_LOCKED = "sign_in_locked", "Sign-in locked"

    occurred_at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="Kept even if the account is removed.")
    action = models.CharField(max_length=20, choices=Action.choices)
    # What was touched: a resident (by Octopus person id) and/or a named object.
    resident_id = models.CharField(max_length=40, blank=True, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    summary = models.CharField(max_length=300)
    # Why access was allowed: the relationship, or the break-glass reason.
    basis = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    # Which audit key sealed this entry (governance.audit_keys); empty for entries written
    # before the chain was keyed, which are plain SHA-256.
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.summary}"


class BreakGlassReason(models.TextChoices):
    """Why someone opened a record without a relationship: the reasons an IG lead expects."""

    URGENT_CARE = "urgent_care", "Urgent care: the resident needs care now and I am involved"
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    NEW_REFERRAL = "new_referral", "A referral or introduction is on its way to my team"
    COVERING = "covering", "Covering for an absent colleague"
    MEETING = "meeting", "Preparing for a meeting the resident is being discussed at"
    OTHER = "other", "Another reason (explain below)"


class BreakGlassAccess(models.Model):
    """Time-limited access to one resident without a legitimate relationship, for IG review."""

    class Outcome(models.TextChoices):
        PENDING = "", "Not yet reviewed"
        APPROPRIATE = "appropriate", "Appropriate"
        INAPPROPRIATE = "inappropriate", "Inappropriate: follow up with the user's manager"
        NEEDS_FOLLOW_UP = "follow_up", "Needs follow-up"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="break_glass_grants")
    reason = models.CharField(max_length=30, choices=BreakGlassReason.choices)
    detail = models.TextField(help_text="In the user's own words.")
    granted_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "resident", "expires_at"])]

    @property
    def reason_text(self) -> str:
        return BreakGlassReason(self.reason).label

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None

    def __str__(self) -> str:
        return f"{self.user} broke glass for {self.resident.person_id} ({self.reason})"


class ConsentKind(models.TextChoices):
    SHARE_BETWEEN_ORGANISATIONS = (
        "share_between_organisations",
        "Share my information between the organisations in the neighbourhood team",
    )
    DISCUSS_AT_MDT = "discuss_at_mdt", "Discuss me at a multidisciplinary meeting"
    RECEIVE_INTRODUCTIONS = "receive_introductions", "Introduce me to people and services who can help"
    SHARE_CLINICAL_WITH_VCSE = (
        "share_clinical_with_vcse",
        "Share health details with voluntary and community sector workers supporting me",
    )


class ConsentStatus(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class LawfulBasis(models.TextChoices):
    """How a decision was reached. Anything other than consent needs a rationale and a decider."""

    CONSENT = "consent", "The resident's consent"
    BEST_INTERESTS = "best_interests", "Best interests decision (Mental Capacity Act 2005)"
    VITAL_INTERESTS = "vital_interests", "Vital interests or risk of harm to others"
    LEGAL_DUTY = "legal_duty", "Legal duty (e.g. Care Act 2014 safeguarding)"
    LASTING_POWER_OF_ATTORNEY = "lpa", "Decision by a lasting power of attorney for health and welfare"


class Consent(models.Model):
    """One recorded decision. History is kept: the latest unexpired row per kind is current."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=40, choices=ConsentKind.choices)
    status = models.CharField(max_length=12, choices=ConsentStatus.choices)
    basis = models.CharField(max_length=20, choices=LawfulBasis.choices, default=LawfulBasis.CONSENT)
    rationale = models.TextField(blank=True, help_text="Required when the basis is not the resident's own consent.")
    decided_by = models.CharField(
        max_length=200, blank=True, help_text="Who made a best-interests or similar decision."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_index=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["resident", "kind", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_status_display()}"


class ObjectionKind(models.TextChoices):
    NATIONAL_DATA_OPT_OUT = "national_data_opt_out", "National data opt-out"
    TYPE_1 = "type_1", "Type 1 objection (GP data not to leave the practice for purposes beyond care)"
    ARTICLE_21 = "article_21", "Objection to processing (UK GDPR article 21)"


class Objection(models.Model):
    """An objection to use beyond direct care. Direct care continues; analytics leave them out."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="objections")
    kind = models.CharField(max_length=30, choices=ObjectionKind.choices)
    source = models.CharField(
        max_length=200, blank=True, help_text="Where it came from, e.g. the GP feed or the resident in person."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class ContactRoute(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    VISIT = "visit", "Home visit"


class ContactPreference(models.Model):
    """How a resident wants to be contacted. History is kept; the latest row is current."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="contact_preferences")
    preferred_route = models.CharField(max_length=10, choices=ContactRoute.choices, blank=True)
    refused_routes = models.JSONField(default=list, blank=True, help_text="Routes the resident asked us not to use.")
    language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    do_not_contact = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]


class SignInFailure(models.Model):
    """Failed sign-ins by username and address, for throttling (see governance.throttle)."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.CharField(max_length=45)
    occurred_at = models.DateTimeField(db_index=True)
