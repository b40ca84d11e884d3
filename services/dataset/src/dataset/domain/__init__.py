"""What makes a good training set, as pure code over image bytes and pixels."""
