"""The due queue: what the bot owes each person, as rows, and the plan that owes them."""
