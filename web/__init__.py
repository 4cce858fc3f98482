"""The aiohttp web application: health check now; webhooks and the admin dashboard later."""
