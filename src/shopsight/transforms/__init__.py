"""Python transforms applied to a feed before it is loaded."""
