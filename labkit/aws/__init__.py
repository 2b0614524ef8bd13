"""AWS's documented rules as pure functions: no boto3 client, no lab state."""
