"""Routes. The rate operation as published; the next version's operations only in next mode;
/_test/* are plain Django views (not DRF), so drf-spectacular leaves them out of the schema."""
from django.conf import settings
from django.urls import include, path

from feedbacks import testing_views, views

urlpatterns = [
    path("api/v2/rate/<int:feedback_type_id>/<str:completion_id>", views.RateView.as_view()),
    path("_test/feedbacks", testing_views.stored),
    path("_test/reset", testing_views.reset),
]

if settings.NEXT:
    urlpatterns.append(path("api/v2/", include("feedbacks.urls_next")))
