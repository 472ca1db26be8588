"""Pages of the lists that grow with the data: 50 rows each, with links that keep the list's filters."""
from django.core.paginator import Paginator
from django.db.models import Q

PER_PAGE = 50


def paginate(request, rows, param="page", per_page=PER_PAGE):
    """The requested page of ``rows`` (the last one for a number past the end, the first for junk).

    The page carries ``links``: (number, query string, is current), None for an elided gap; every
    query string keeps the request's other parameters, so a search or filter survives paging.
    """
    page = Paginator(rows, per_page).get_page(request.GET.get(param))
    query = request.GET.copy()
    page.links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == page.paginator.ELLIPSIS:
            page.links.append(None)
            continue
        query[param] = number
        page.links.append((number, query.urlencode(), number == page.number))
    return page


class PaginatedListMixin:
    """A ListView in pages of 50 whose links keep the filters (see ``paginate``)."""

    paginate_by = PER_PAGE

    def paginate_queryset(self, queryset, page_size):
        page = paginate(self.request, queryset, per_page=page_size)
        return page.paginator, page, page.object_list, page.has_other_pages()


def seek(request, rows, ordering, per_page=PER_PAGE, param="after"):
    """The rows after the one whose id the request names in ``param``, in ``ordering`` (field names, "-" for
    descending, ending with a unique one), without counting them all.

    For lists whose count would read every row (a balance worked out per invoice): a page reads about as many
    rows as it shows, at any depth. The returned list carries ``next_query`` (None on the last page) and
    ``is_first``; links go forward and back to the start.
    """
    after = request.GET.get(param, "")
    names = [field.lstrip("-") for field in ordering]
    last = rows.model._base_manager.filter(pk=after).values(*names).first() if after.isdigit() else None
    if last:
        # Rows beyond the last one shown, in the ordering's terms; the leading field's bound lets the index start there.
        leading, operator = names[0], "lte" if ordering[0].startswith("-") else "gte"
        beyond = Q()
        for position, field in enumerate(ordering):
            same_before = {name: last[name] for name in names[:position]}
            strictly = "lt" if field.startswith("-") else "gt"
            beyond |= Q(**same_before, **{f"{names[position]}__{strictly}": last[names[position]]})
        rows = rows.filter(beyond, **{f"{leading}__{operator}": last[leading]})
    page = list(rows.order_by(*ordering)[: per_page + 1])
    shown = SeekPage(page[:per_page])
    shown.is_first = last is None
    shown.next_query = None
    if len(page) > per_page:
        query = request.GET.copy()
        query[param] = shown[-1].pk
        shown.next_query = query.urlencode()
    query = request.GET.copy()
    query.pop(param, None)
    shown.first_query = query.urlencode()
    return shown


class SeekPage(list):
    """One page of ``seek``: its rows, and where the next one starts."""
