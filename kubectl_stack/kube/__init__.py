"""Talking to a cluster: connection, informers, store, actions, logs. Never imports Textual."""
