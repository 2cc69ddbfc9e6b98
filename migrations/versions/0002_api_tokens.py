"""api tokens: label, allowed networks, partner's technical user

Revision ID: 0002_api_tokens
Revises: 0001_core
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '0002_api_tokens'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_partner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('technical_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_api_partner_technical_user_id_ab_user', 'ab_user',
            ['technical_user_id'], ['id'])

    with op.batch_alter_table('api_partner_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('allowed_ips', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('api_partner_token', schema=None) as batch_op:
        batch_op.drop_column('allowed_ips')
        batch_op.drop_column('label')

    with op.batch_alter_table('api_partner', schema=None) as batch_op:
        batch_op.drop_constraint(
            'fk_api_partner_technical_user_id_ab_user', type_='foreignkey')
        batch_op.drop_column('technical_user_id')
