select
    user_id,
    loyalty_score
from {{ source('transactions', 'loyalty_scores') }}
