"""What a dead letter holds: the message as it came, and why it could not be handled."""

from datetime import datetime

from pydantic import Field

from contracts.envelope import Schema


class DeadLetter(Schema):
    consumer: str = Field(description="Durable consumer that gave up on the message.")
    subject: str = Field(description="Subject the message was published on.")
    stream_sequence: int = Field(description="Its sequence in the event stream (for replay).")
    deliveries: int = Field(description="How many times it was delivered.")
    reason: str = Field(description="Why it was not handled: the last error.")
    payload: str = Field(description="The message body, decoded as UTF-8 with replacement.")
    failed_at: datetime
