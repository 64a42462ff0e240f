"""Realtime: the event stream's way to the agents' sockets.

`publisher` sends each committed outbox event to its channel-layer groups; `socket_hub` holds
one subscription per group for all the sockets of a process; `consumers` is the agents'
WebSocket; `replay` sends a socket what it missed from the outbox, for a reconnect and for the
process's periodic catch-up (`outbox_watcher`); `selectors` are the outbox reads they share.
"""
