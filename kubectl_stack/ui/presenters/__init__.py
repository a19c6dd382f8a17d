"""View values for the screens, built from the model. :mod:`.text` is the untrusted-text
boundary every string from the cluster crosses on its way to the screen."""
