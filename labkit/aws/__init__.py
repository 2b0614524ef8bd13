"""Pure AWS rules (no boto3 state): the engines the emulator and the lessons build on."""
