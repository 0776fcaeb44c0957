"""HTTP routes: auth, message sign/broadcast, wallet."""
