"""The billing URL modules, one per audience, each namespaced like its prefix (ehab/urls.py):
join → /join/, my_billing → /me/billing/, billing → /billing/, payments → /payments/."""
