-- `kulta restart`: spec.restartAt = now (whole seconds, UTC); pods created before it are replaced.
local os = require("os")
obj.spec.restartAt = os.date("!%Y-%m-%dT%XZ")
return obj
