"""The tuning-job waiter function: signals a long deployment wait when a tuning job ends, and reads its best job."""
