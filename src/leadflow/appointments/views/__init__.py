"""The appointments' pages: the lead panel and booking (`booking`), the attendees'
availability (`availability`), the calls in the guarantee (`disputes`)."""
