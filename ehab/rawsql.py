"""Hand-written SQL for the few reads every client makes on every page.

Compiling an ORM query costs more Python than PostgreSQL spends answering it (about 0.3 ms and
1,500 function calls for a three-table join), which decides whether the daily pages stay near the
floor in `bench/course.py`. Only those reads use this module; everything else stays on the ORM.

The SQL stays honest: column lists come from the models, and rows become model instances through
the same converters the ORM applies, so SQLite and PostgreSQL hand back identical objects.
"""

from functools import cache

from django.db import connection
from django.db.models import Model


def table(model: type[Model]) -> str:
    """The model's quoted table name."""
    return _table(model, connection.vendor)


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of `model` under table alias `alias`, in field order."""
    return _columns(model, alias, connection.vendor)


# Names depend only on the model and the database vendor, so each is built once per process.
@cache
def _table(model: type[Model], vendor: str) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _columns(model: type[Model], alias: str, vendor: str) -> str:
    return ", ".join(
        f"{alias}.{connection.ops.quote_name(field.column)}"
        for field in model._meta.concrete_fields
    )


@cache
def _readers(model: type[Model], vendor: str):
    """(attnames, the primary key's position, [(converters, column)] per field) for turning
    part of a row into `model`, as the ORM's compiler would."""
    fields = model._meta.concrete_fields
    readers = []
    for field in fields:
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        readers.append((converters, col))
    return [field.attname for field in fields], fields.index(model._meta.pk), readers


def fetch(sql: str, params, *models: type[Model]) -> list[tuple[Model | None, ...]]:
    """Run `sql` and split each row into one instance per model, in order; each model takes
    `columns(model, ...)` in turn. A model whose primary key is NULL (an outer join that found
    nothing) comes back as None."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    shapes = [(model, *_readers(model, connection.vendor)) for model in models]
    result = []
    for row in rows:
        start, instances = 0, []
        for model, attnames, pk_at, readers in shapes:
            values = list(row[start : start + len(attnames)])
            start += len(attnames)
            if values[pk_at] is None:
                instances.append(None)
                continue
            for i, (converters, col) in enumerate(readers):
                for converter in converters:
                    values[i] = converter(values[i], col, connection)
            instances.append(model.from_db(connection.alias, attnames, values))
        if start != len(row):
            raise ValueError(f"The query returned {len(row)} columns; the models take {start}.")
        result.append(tuple(instances))
    return result


def rows(sql: str, params) -> list[tuple]:
    """Run `sql` and return its rows as they come (for ids and plain numbers)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
