"""The schedules pages, one module per page: roster, night (print and text),
calendar, requests, account. Each view fetches through an access helper, binds a
form, calls a service and redirects or renders; the rules live in the services.
The Tonight page, which adds the night's live status, is patrols.views.tonight."""
