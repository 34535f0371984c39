"""``flask --app portal units import PATH [--update] [--dry-run]``: load units from CSV or XLSX.

The format is documented in docs/import-format.md. Exit status 0 on success, 1 on any error
(nothing is imported then); row errors name the row as a spreadsheet shows it (header = row 1).
"""
from __future__ import annotations

from pathlib import Path

import click

from portal.audit.services import acting_as
from portal.cli import cli_actor_name, fail, units_cli
from portal.extensions import db
from portal.registry import importer


@units_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--update", is_flag=True, help="文件中已在台账里的统一社会信用代码：更新该单位（默认视为错误）。")
@click.option("--dry-run", is_flag=True, help="只校验、报告错误，不导入。")
def import_units(path: Path, update: bool, dry_run: bool) -> None:
    """从 CSV（UTF-8 / GB18030）或 Excel（.xlsx）文件导入单位；任何一行有错误则整个文件不导入。"""
    try:
        parsed = importer.parse_file(path)
    except importer.ImportFileError as exc:
        fail(f"导入失败：{exc.message}")
    click.echo(f"读取 {parsed.filename}：{len(parsed.rows) + len(parsed.errors)} 行数据（SHA-256 {parsed.sha256}）")
    with acting_as(cli_actor_name()), \
            click.progressbar(length=len(parsed.rows), label="校验并导入", show_pos=True) as bar:
        result = importer.run_import(
            parsed.rows, update=update, actor_name=cli_actor_name(), source=parsed, errors=parsed.errors,
            dry_run=dry_run, progress=bar.update,
        )
    if not result.ok:
        for line in result.messages():
            click.echo(line, err=True)
        rows = len({e.row for e in result.errors})
        fail(f"导入失败：{rows} 行共 {len(result.errors)} 处错误，未导入任何单位。请改正后重新导入。")
    if dry_run:
        click.echo(f"校验通过（未导入）：将新增 {result.created} 个，更新 {result.updated} 个，无变化 {result.unchanged} 个。")
        return
    db.session.commit()
    click.echo(result.summary())
