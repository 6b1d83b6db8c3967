"""The billing pages, one module per audience: join (/join/, the public and clients enrolling),
my_billing (/me/billing/, a client's own billing), console (/billing/, billing staff and
administrators) and webhook (/payments/, Stripe). Each has its URL module of the same name in
payments/urls/, whose namespace matches its prefix."""
