"""What starts and drives processes: the composition roots, the due queue's tick, the digest."""
