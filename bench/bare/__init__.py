"""The bare stack: the least Django + DRF + Channels can do on the path hitl takes.

One view INSERTs one row and `group_send`s it; one consumer relays the group to its socket.
Same database, Redis, channel layer, pool and server as hitl: the floor our code is held to.
"""
