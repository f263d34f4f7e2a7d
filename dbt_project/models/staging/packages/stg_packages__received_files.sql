select
    package_id,
    region_code,
    quarter,
    table_name,
    file_name,
    sha256,
    cast(size_bytes as bigint) as size_bytes,
    cast(received_at as timestamptz) as received_at,
    archive_path,
    cast(rows_read as bigint) as rows_read,
    cast(rows_loaded as bigint) as rows_loaded,
    cast(rows_quarantined as bigint) as rows_quarantined,
    status,
    message
from {{ source('packages', 'received_files') }}
