"""The routers: auth (login), messages (sign/broadcast from the table), wallet, health."""
