"""HTTP API of the rights register: public verification and search, operators' imports."""

from ninja import Router

from ipbridge.rights.api import imports, register

router = Router(tags=["rights"])
# Imports first: "/rights/imports/{id}" must not be read as a right's "/rights/{office}/{number}".
router.add_router("/", imports.router)
router.add_router("/", register.router)
