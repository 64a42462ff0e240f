"""The agents' pages: the workspace and the profile. Every action in them goes through the API."""
