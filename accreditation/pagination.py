"""Pages of the lists that grow with the data: 50 rows each, with links that keep the list's filters."""
from django.core.paginator import Paginator

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
