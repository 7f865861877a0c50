"""申报中心 and one page per declaration kind: purpose, template download, upload,
the last batches of that kind."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from importer.kinds import SPECS
from importer.prefill import PREFILL_LABEL, prefillable, prefilled_file_name, prefilled_template
from registry.batch_queries import batches_page
from web.auth import login_required
from web.db import own_employer_id, uow
from web.exports import xlsx_response
from web.forms import UploadForm
from web.main import page_arg
from web.uploads import Upload, UploadRefused, accept

bp = Blueprint("declare", __name__, url_prefix="/declare")


def _spec_or_404(kind: str):
    spec = SPECS.get(kind)
    if spec is None:
        abort(404)
    return spec


def handle_upload(form: UploadForm, kind: str | None, resubmit_of: int | None = None):
    """Store a valid posted upload and go to its batch page; else (None, error message)."""
    upload = Upload(
        file=form.file.data,
        kind=kind,
        dry_run=form.dry_run.data,
        all_or_nothing=form.all_or_nothing.data,
        resubmit_of=resubmit_of,
    )
    try:
        batch_id = accept(upload, own_employer_id())
    except UploadRefused as exc:
        return None, str(exc)
    return redirect(url_for("batches.show", batch_id=batch_id)), None


def _form_errors(form: UploadForm) -> str | None:
    messages = [m for errors in form.errors.values() for m in errors]
    return " ".join(messages) or None


def _upload_page(template: str, kind: str | None, per_page: int, **context):
    """GET shows the page; POST stores the upload and redirects, or shows why not (400)."""
    employer_id = own_employer_id()
    form = UploadForm()
    error = None
    if form.validate_on_submit():
        response, error = handle_upload(form, kind)
        if response is not None:
            return response
    elif request.method == "POST":
        error = _form_errors(form)
    with uow() as work:
        batches = batches_page(
            work.session, employer_id, kind=kind, page=page_arg(), per_page=per_page
        )
    page = render_template(template, form=form, error=error, batches=batches, **context)
    return page, 400 if error else 200


@bp.route("/", methods=["GET", "POST"])
@login_required
def center():
    """申报中心: every template, a generic upload (kind detected), the employer's batches."""
    return _upload_page("declare/center.html", None, 20, kinds=SPECS.values())


@bp.route("/<kind>", methods=["GET", "POST"])
@login_required
def kind_page(kind: str):
    """One declaration kind: what it is for, its template, an upload, its last batches."""
    spec = _spec_or_404(kind)
    return _upload_page(
        "declare/kind.html",
        kind,
        10,
        spec=spec,
        prefill=prefillable(kind),
        prefill_label=PREFILL_LABEL,
    )


@bp.route("/<kind>/template.xlsx")
@login_required
def template(kind: str):
    """The standard template of `kind` as an .xlsx attachment; with `?prefill=1`, filled
    with the clerk's employer's active persons (kinds acting on people already here)."""
    spec = _spec_or_404(kind)
    if request.args.get("prefill") in ("1", "true"):
        if not prefillable(kind):
            abort(404)
        employer_id = own_employer_id()
        with uow() as work:
            data = prefilled_template(work.session, kind, employer_id)
        return xlsx_response(data, prefilled_file_name(spec), f"{kind}_prefilled.xlsx")
    from templates_xlsx.build import build_template

    return xlsx_response(build_template(spec), f"{spec.title}模板.xlsx", f"{kind}_template.xlsx")
