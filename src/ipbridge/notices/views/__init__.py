"""Web pages of notice and action: right holders and agents send notices and follow their cases; marketplaces
decide item by item and forward to the merchant; merchants answer with a counter-notice; senders show a complaint.

Pages read through the selectors and write through the services, like the API; a service's refusal is shown on
the field it names, or as the refused page when the whole page is not for the person."""
