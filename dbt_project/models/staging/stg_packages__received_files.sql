select
    package_id,
    region_code,
    quarter,
    table_name,
    file_name,
    sha256,
    cast(size_bytes as bigint) as size_bytes,
    cast(received_at as timestamptz) as received_at,
    archive_path
from {{ source('packages', 'received_files') }}
