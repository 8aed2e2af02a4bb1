"""OneWindow (一窗通办): a county government service platform."""
