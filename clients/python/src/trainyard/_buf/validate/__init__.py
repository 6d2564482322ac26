# Copied from gen/python by clients/python/scripts/sync_generated.py. DO NOT EDIT.
