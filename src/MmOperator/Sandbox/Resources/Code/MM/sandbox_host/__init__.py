"""Stand-in for the market-making bot's own code, used by the MmOperator sandbox host."""
