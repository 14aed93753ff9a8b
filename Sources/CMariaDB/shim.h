#ifndef FASTSMTP_CMARIADB_SHIM_H
#define FASTSMTP_CMARIADB_SHIM_H
// MariaDB Connector/C (libmariadb-dev). Only built with the MariaDB package trait.
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#endif
