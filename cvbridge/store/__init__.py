"""The CRM store: candidates, their documents, bundles and what each bundle did."""
