"""The agreements a person accepts before paying, as documents anyone can read on the site.

Each document is a template per version, `pages/agreements/<document>/<version>.html`, keyed
by `AgreementAcceptance.Document` and the version an acceptance records (`AGREEMENT_VERSION`
below). A new version is a new file beside the old ones, which stay readable at their own
address, so what someone accepted can always be read as they read it.
"""

from dataclasses import dataclass

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse

from accounts.models import AgreementAcceptance

Document = AgreementAcceptance.Document

# The version of every agreement a person accepts now (checkout_prepare records it).
AGREEMENT_VERSION = "2026-11"

# The address of each document (`/join/agreements/<slug>/`), in the order the form asks.
SLUGS: dict[str, str] = {
    Document.TELEHEALTH_CONSENT: "telehealth-consent",
    Document.PRIVACY_NOTICE: "privacy-notice",
    Document.CRISIS_DISCLAIMER: "crisis-disclaimer",
}
DOCUMENT_BY_SLUG = {slug: document for document, slug in SLUGS.items()}


@dataclass(frozen=True)
class Agreement:
    document: str
    version: str

    @property
    def title(self) -> str:
        return Document(self.document).label

    @property
    def template_name(self) -> str:
        return f"pages/agreements/{self.document}/{self.version}.html"

    @property
    def url(self) -> str:
        return reverse("join:agreement_version", args=[SLUGS[self.document], self.version])


def agreement_find(*, slug: str, version: str) -> Agreement | None:
    """The stored document at this address and version, or None if there is no such file."""
    document = DOCUMENT_BY_SLUG.get(slug)
    if document is None:
        return None
    agreement = Agreement(document=document, version=version)
    try:
        get_template(agreement.template_name)
    except TemplateDoesNotExist:
        return None
    return agreement
