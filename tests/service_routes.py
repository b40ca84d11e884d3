"""What each service consumes, and which handler method takes each event."""

# service -> {input event: handler method, or several when several consumers take it}
ROUTES = {
    "dataset": {"DatasetUploaded": "on_dataset_uploaded"},
    "billing": {
        "CreditsPurchased": "on_credits_purchased",
        "SubscriptionRequested": "on_subscription_requested",
        "DatasetValidated": "on_dataset_validated",
        "GenerationRequested": "on_generation_requested",
        "TrainingFailed": "on_training_failed",
        "TrainingCancelled": "on_training_cancelled",
        "GenerationFailed": "on_generation_failed",
        "ImageGenerated": "on_image_generated",  # refunds the images withheld
    },
    "trainer": {
        # a turn to run the first waiting job, and the job filed in the fair queue at once
        "TrainingCharged": ("on_training_charged", "on_training_paid"),
        "TrainingCancelRequested": "on_cancel_requested",
        "ModelDeleted": "on_model_deleted",
    },
    "inference": {"CreditsDebited": "on_credits_debited", "ModelDeleted": "on_model_deleted"},
    "gateway": {
        name: "fold"
        for name in [
            "DatasetValidated",
            "DatasetRejected",
            "TrainingCharged",
            "TrainingChargeRejected",
            "TrainingProgress",
            "TrainingCompleted",
            "TrainingFailed",
            "TrainingCancelled",
            "TrainingRefunded",
            "CreditsDebited",
            "CreditsDebitRejected",
            "ImageGenerated",
            "GenerationFailed",
            "CreditsRefunded",
            "ModelDeleted",
        ]
    },
}
