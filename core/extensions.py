"""Hold the few extension objects that may live at module level.

The AppBuilder and the plugin manager are built per application inside
``create_app`` (STACK.md pitfall 1); only these are process-wide.
"""

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# Share FAB's MetaData so Alembic sees the ab_* tables and ours together.
db = get_sqla_class()(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
