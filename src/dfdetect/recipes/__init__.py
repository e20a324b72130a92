"""What a trained component is: its options, the network they build, and loading it from a
checkpoint. Training writes them, inference reads them; neither imports the other for it."""
