# Standard profile: streaming inserts (rows visible in seconds), Cloud DLP redaction, IAP in front of the
# dashboard. Set iap_members and alert_email in your own tfvars file.
redaction            = "dlp"
load_sink            = "bigquery"
dashboard_front_door = "iap"
ingest_cpu           = "1"
ingest_memory        = "512Mi"
ingest_enabled       = true
