"""factory_boy factories for the suite."""

import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.roles import Role
from care.models import CareAssignment

PASSWORD = "quiet-river-stones-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    role = Role.CLIENT
    preferred_name = factory.Sequence(lambda n: f"Person {n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )


class CareAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareAssignment

    clinician = factory.SubFactory(UserFactory, role=Role.CLINICIAN)
    client = factory.SubFactory(UserFactory, role=Role.CLIENT)
