"""Web pages of authentication: identity, claims on rights, mandates, credentials; and the published keys.

Pages read through the selectors and write through the services, like the API; a service's refusal is shown on
the field it names, or as the refused page when the whole page is not for the person."""
