"""Code the sandbox's stand-ins for the host's tools share (mmctl, the advisor scripts, the bot)."""
